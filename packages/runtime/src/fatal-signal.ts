type FatalListener = (message: string, code: string) => void;

/**
 * The one "this server can no longer serve" event of a RunningServer: fired
 * at most once; a listener added afterwards hears it at once.
 */
export class FatalSignal {
  private readonly listeners: FatalListener[] = [];
  private fired: { message: string; code: string } | null = null;

  get hasFired(): boolean {
    return this.fired !== null;
  }

  on(listener: FatalListener): void {
    if (this.fired !== null) listener(this.fired.message, this.fired.code);
    else this.listeners.push(listener);
  }

  fire(message: string, code: string): void {
    if (this.fired !== null) return;
    this.fired = { message, code };
    for (const listener of this.listeners) listener(message, code);
  }
}
