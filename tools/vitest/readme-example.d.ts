export declare function readmeExample(readmeUrl: URL): Promise<string>;
export declare function runReadmeExample(
  readmeUrl: URL,
  dirUrl: URL,
  replace?: Record<string, string>,
): Promise<{ code: string; logs: string[] }>;
