/**
 * What a ResourceEditor is told to edit and show, and the exercise rows of a program's form. In a plain
 * module, not a component's `<script module>`, so that every tool resolves them: the lint's type checker
 * reads .svelte files one at a time and sees no types exported from another component.
 */
import type { MessageKey } from '$contracts/i18n.js';

export interface FieldSpec {
  key: string;
  label: MessageKey;
  type: 'text' | 'number' | 'checkbox' | 'select' | 'password' | 'email' | 'exercises';
  options?: Array<{ value: string; label: MessageKey }>;
  required?: boolean;
  min?: number;
  max?: number;
  step?: number;
  /** Only asked when creating (a password); left out of edits when empty. */
  createOnly?: boolean;
  /** Only shown when editing (e.g. deactivating a person). */
  editOnly?: boolean;
  optionalOnEdit?: boolean;
  /** A number field that may be emptied: sent as null (e.g. an area's own longest booking). */
  nullable?: boolean;
  hint?: MessageKey;
  wide?: boolean;
  autocomplete?: 'off' | 'username' | 'new-password' | 'email' | 'name';
}

export interface ColumnSpec<T> {
  label: MessageKey;
  value: (item: T) => string;
  strong?: boolean;
}

/** One exercise as the program form edits it: reps or seconds, the other one null (as is an emptied number field). */
export interface ExerciseRow {
  name_en: string;
  name_el: string;
  sets: number | null;
  reps: number | null;
  seconds: number | null;
}
