export async function corpusCommand(_o: unknown): Promise<number> { return 2; }
