/**
 * Every error dumpflow raises on purpose derives from DumpflowError and carries a stable code,
 * so callers (CLI, handlers, the ledger) can act on the code and show the message as-is.
 */
export class DumpflowError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Required configuration (an environment variable, a context value) is missing or invalid. */
export class ConfigError extends DumpflowError {
  constructor(message: string) {
    super('E_CONFIG', message);
  }
}
