import net from "node:net";

/** A raw client: send bytes, collect reply lines, see the server's FIN. */
export class LineSocket {
  readonly socket: net.Socket;
  private text = "";
  private ended = false;
  private readonly waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      this.text += chunk;
      this.wake();
    });
    socket.on("end", () => {
      this.ended = true;
      this.wake();
    });
    socket.on("close", () => {
      this.ended = true;
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  static connect(port: number): Promise<LineSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true }, () => resolve(new LineSocket(socket)));
      socket.once("error", reject);
    });
  }

  get replies(): string[] {
    return this.text.split("\n").filter((l) => l !== "");
  }

  get closedByServer(): boolean {
    return this.ended;
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Resolves once `count` reply lines have arrived (or the server closed). */
  async waitForReplies(count: number): Promise<string[]> {
    while (this.replies.length < count && !this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.replies;
  }

  /** Resolves once the server has ended or closed the connection. */
  async waitForEnd(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
