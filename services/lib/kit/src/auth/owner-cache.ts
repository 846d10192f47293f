/**
 * Which tenant owns an id (a model, a policy version): looked up once and remembered, since an
 * owner never changes. Unknown ids are not remembered (they may appear later). Bounded: the map
 * starts over when full.
 */
export class OwnerCache {
  private readonly owners = new Map<string, string>();

  constructor(
    private readonly lookup: (id: string) => Promise<string | undefined>,
    private readonly maxEntries = 10_000,
  ) {}

  async get(id: string): Promise<string | undefined> {
    const known = this.owners.get(id);
    if (known !== undefined) return known;
    const owner = await this.lookup(id);
    if (owner !== undefined) {
      if (this.owners.size >= this.maxEntries) this.owners.clear();
      this.owners.set(id, owner);
    }
    return owner;
  }
}
