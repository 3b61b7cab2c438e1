/**
 * SDK calls per invocation seen so far by one injector, so the call a fault strikes at is drawn
 * over a whole invocation rather than always among its first calls.
 */
export class CallCounts {
  private calls = 0;
  private invocations = 0;
  private most = 0;

  /** One invocation finished after `calls` SDK calls. */
  record(calls: number): void {
    this.calls += calls;
    this.invocations += 1;
    this.most = Math.max(this.most, calls);
  }

  /** Mean calls per invocation (at least 1), or `before` until an invocation has finished. */
  mean(before: number): number {
    return this.invocations === 0 ? before : Math.max(1, this.calls / this.invocations);
  }

  /** The longest invocation's calls (at least 1), or `before` until an invocation has finished. */
  longest(before: number): number {
    return this.invocations === 0 ? before : Math.max(1, this.most);
  }
}
