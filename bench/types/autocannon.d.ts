// The part of autocannon's JS API the bench runner uses (the package ships no types).
declare module "autocannon" {
  namespace autocannon {
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
      setupRequest?: (req: Request, context: Record<string, unknown>) => Request | null;
    }
    interface Options {
      url: string;
      connections?: number;
      amount?: number;
      duration?: number;
      timeout?: number;
      pipelining?: number;
      reconnectRate?: number;
      headers?: Record<string, string>;
      requests?: Request[];
    }
    interface Result {
      errors: number;
      timeouts: number;
      non2xx: number;
      duration: number;
      requests: { total: number };
      statusCodeStats: Record<string, { count: number }>;
    }
    interface Instance {
      on(
        event: "response",
        fn: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void,
      ): this;
      on(event: "reqError" | "error", fn: (err: Error) => void): this;
      stop(): void;
    }
  }
  function autocannon(
    opts: autocannon.Options,
    cb: (err: Error | null, result: autocannon.Result) => void,
  ): autocannon.Instance;
  export = autocannon;
}
