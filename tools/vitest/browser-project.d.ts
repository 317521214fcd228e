export declare const chromiumPath: string;
export declare const chromiumArgs: string[];
export declare function browserProject(opts: { include: string[]; exclude?: string[] }): {
  // biome-ignore lint/suspicious/noExplicitAny: vitest's project config type
  test: any;
};
