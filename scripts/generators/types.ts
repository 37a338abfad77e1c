// The shape every code generator of the repository has: it owns one folder, schemas/gen/<name>.

export interface GeneratorContext {
  /** Where to write: an empty folder that replaces schemas/gen/<name> when the run succeeds. */
  outDir: string;
  /** Scratch space, deleted after the run. */
  workDir: string;
}

export interface Generator {
  /** The output folder under schemas/gen. */
  name: string;
  /** One line on what it generates and from what. */
  summary: string;
  generate(context: GeneratorContext): Promise<void>;
}
