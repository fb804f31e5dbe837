/**
 * Who listens to which server event: the registry behind LiveSocket.on and GymLive.on. Plain, not reactive,
 * on purpose: screens subscribe inside an $effect, and a reactive registry would make that effect depend on
 * the registry it is changing.
 */
import type { EventType, ServerEvent } from '$contracts/events.js';

export type Handler<K extends EventType> = (event: ServerEvent<K>) => void;

export class Listeners {
  // Each set holds handlers of its own type only (on() keeps them apart), so emit() may hand them its event.
  private byType = new Map<EventType, Set<Handler<never>>>();

  /** Adds `handler` for events of `type`; the answer removes it again. */
  on<K extends EventType>(type: K, handler: Handler<K>): () => void {
    let set = this.byType.get(type);
    if (!set) this.byType.set(type, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Hands `event` (of `type`) to every handler of that type. */
  emit(type: EventType, event: ServerEvent): void {
    for (const handler of this.byType.get(type) ?? []) (handler as Handler<EventType>)(event);
  }
}
