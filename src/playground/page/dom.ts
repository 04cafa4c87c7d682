/** Building the playground's DOM: elements with properties and children, labelled controls, tabs. */

type Child = Node | string | null | undefined | false;
type Props<K extends keyof HTMLElementTagNameMap> = Partial<Omit<HTMLElementTagNameMap[K], 'style'>> & {
  /** Attributes set with setAttribute (aria-*, data-*, role, for, …). */
  attrs?: Record<string, string>;
};

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props<K> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  const { attrs, ...rest } = props;
  Object.assign(node, rest);
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

let uid = 0;
/** A unique element id with a readable prefix. */
export const newId = (prefix: string): string => `${prefix}-${++uid}`;

/** A control with its label (`<label for>`), in one inline group. */
export function labelled(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): HTMLElement {
  control.id ||= newId('control');
  return el('span', { className: 'field' }, el('label', { htmlFor: control.id, textContent: label }), control);
}

export function numberInput(value: number, min: number, max: number, step: number | 'any' = 1): HTMLInputElement {
  return el('input', { type: 'number', value: String(value), min: String(min), max: String(max), step: String(step) });
}

export function select(options: readonly (string | [value: string, label: string])[], value?: string): HTMLSelectElement {
  const node = el('select');
  for (const o of options) {
    const [v, label] = typeof o === 'string' ? [o, o] : o;
    node.append(el('option', { value: v, textContent: label }));
  }
  if (value !== undefined) node.value = value;
  return node;
}

export function button(text: string, onClick: () => void, props: Props<'button'> = {}): HTMLButtonElement {
  const node = el('button', { type: 'button', textContent: text, ...props });
  node.addEventListener('click', onClick);
  return node;
}

/** A line for errors and progress that screen readers announce. */
export function statusLine(className = 'status'): HTMLParagraphElement {
  return el('p', { className, attrs: { role: 'status', 'aria-live': 'polite' } });
}

/** Shows an error in `line` (and marks it as one). */
export function showError(line: HTMLElement, e: unknown): void {
  line.textContent = (e as Error).message ?? String(e);
  line.classList.add('error');
}

export function clearError(line: HTMLElement): void {
  line.classList.remove('error');
  line.textContent = '';
}

/**
 * Tabs in the WAI-ARIA pattern: a tablist of buttons, one panel shown; ←/→/Home/End move
 * between tabs. Each tab has a key; setting a key again replaces its label and panel.
 */
export class Tabs {
  private readonly entries: { key: string; tab: HTMLButtonElement; panel: HTMLElement; onShow?: () => void }[] = [];
  private current = 0;

  constructor(private readonly list: HTMLElement, private readonly panels: HTMLElement) {
    list.setAttribute('role', 'tablist');
    list.addEventListener('keydown', (e) => {
      const i = this.entries.findIndex((x) => x.tab === document.activeElement);
      if (i < 0) return;
      const n = this.entries.length;
      const to = ({ ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 } as Record<string, number>)[e.key];
      if (to === undefined) return;
      e.preventDefault();
      this.show(to);
      this.entries[to].tab.focus();
    });
  }

  /** Adds the tab `key`, or gives it a new label and panel; `onShow` runs whenever it is shown. */
  set(key: string, label: string, panel: HTMLElement, onShow?: () => void): void {
    panel.id ||= newId('panel');
    panel.setAttribute('role', 'tabpanel');
    const existing = this.entries.find((x) => x.key === key);
    if (existing) {
      existing.tab.textContent = label;
      existing.tab.setAttribute('aria-controls', panel.id);
      existing.panel.replaceWith(panel);
      Object.assign(existing, { panel, onShow });
    } else {
      const tab = el('button', { type: 'button', textContent: label, id: newId('tab'), attrs: { role: 'tab', 'aria-controls': panel.id } });
      tab.addEventListener('click', () => this.show(this.entries.findIndex((x) => x.tab === tab)));
      this.entries.push({ key, tab, panel, onShow });
      this.list.append(tab);
      this.panels.append(panel);
    }
    panel.setAttribute('aria-labelledby', this.entries.find((x) => x.key === key)!.tab.id);
    const i = this.entries.findIndex((x) => x.key === key);
    if (this.entries.length === 1 || i === this.current) this.show(i);
    else this.mark();
  }

  /** Shows the tab `key`. */
  select(key: string): void {
    this.show(this.entries.findIndex((x) => x.key === key));
  }

  private show(i: number): void {
    if (i < 0) return;
    this.current = i;
    this.mark();
    this.entries[i].onShow?.();
  }

  private mark(): void {
    this.entries.forEach((x, k) => {
      const on = k === this.current;
      x.tab.setAttribute('aria-selected', String(on));
      x.tab.tabIndex = on ? 0 : -1;
      x.panel.hidden = !on;
    });
  }
}
