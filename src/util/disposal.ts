/**
 * Node 20 has Symbol.asyncDispose but not AsyncDisposableStack, so this is ours: resources are
 * disposed in reverse order of acquisition, every one of them even when some fail to dispose.
 */
export class DisposalStack implements AsyncDisposable {
  private readonly entries: (() => PromiseLike<void> | void)[] = [];
  private disposed = false;

  use<T extends AsyncDisposable | Disposable>(resource: T): T {
    this.entries.push(() =>
      Symbol.asyncDispose in resource ? (resource as AsyncDisposable)[Symbol.asyncDispose]() : (resource as Disposable)[Symbol.dispose](),
    );
    return resource;
  }

  defer(cleanup: () => Promise<void> | void): void {
    this.entries.push(cleanup);
  }

  /** Hands the resources to a new stack, leaving this one empty (for "return on success"). */
  move(): DisposalStack {
    const next = new DisposalStack();
    next.entries.push(...this.entries.splice(0));
    return next;
  }

  async disposeAsync(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    while (this.entries.length > 0) {
      try {
        await this.entries.pop()!();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} resources failed to dispose`);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.disposeAsync();
  }
}
