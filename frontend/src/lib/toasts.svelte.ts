/** Short-lived notices (booked, cancelled, errors) announced to screen readers through a live region. */
export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  text: string;
}

class Toasts {
  items = $state<Toast[]>([]);
  private next = 1;

  show(kind: Toast['kind'], text: string, ms = 4000): void {
    const id = this.next++;
    this.items = [...this.items, { id, kind, text }];
    setTimeout(() => this.dismiss(id), ms);
  }
  success = (text: string) => this.show('success', text);
  error = (text: string) => this.show('error', text, 6000);
  info = (text: string) => this.show('info', text);

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
