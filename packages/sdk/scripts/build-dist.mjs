// Builds the publishable SDK in dist/: one ES module and one declaration file, with @handoff/core, @handoff/protocol
// and the API router's types bundled in, and a package.json whose dependencies are only registry packages.
// `node scripts/build-dist.mjs && cd dist && npm pack` (or npm publish).
import { copyFileSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { rollup } from "rollup";
import { dts } from "rollup-plugin-dts";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = path.join(root, "dist");
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
const sdk = readJson(path.join(root, "package.json"));
const workspace = (name) => readJson(path.join(root, "..", name, "package.json"));
const isOurs = (id) => id.startsWith("@handoff/");
const isRelative = (id) => id.startsWith(".") || path.isAbsolute(id);

// The registry packages the bundle imports: the SDK's own and those of the workspace packages bundled in.
const dependencies = {};
for (const manifest of [sdk, workspace("core"), workspace("protocol")]) {
  for (const [name, version] of Object.entries(manifest.dependencies ?? {})) if (!isOurs(name)) dependencies[name] = version;
}
const external = Object.keys(dependencies);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);

await build({
  entryPoints: [path.join(root, "src", "index.ts")],
  outfile: path.join(dist, "index.js"),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: [...external, ...external.map((name) => `${name}/*`)],
  sourcemap: true,
  legalComments: "none",
  logLevel: "warning",
});

const bundle = await rollup({
  input: path.join(root, "src", "index.ts"),
  // Our packages are followed and inlined; every other bare import stays an import of a dependency.
  external: (id) => !isOurs(id) && !isRelative(id),
  plugins: [
    // Our packages by their real paths (not through node_modules links), so the compiler names their types as each
    // package imports them (`@handoff/core`), never by a link path it cannot write in a declaration.
    {
      name: "handoff-workspace",
      resolveId(id) {
        if (!isOurs(id)) return null;
        const [, name, ...rest] = id.split("/");
        const manifest = workspace(name);
        const entry = manifest.exports?.[rest.length === 0 ? "." : `./${rest.join("/")}`];
        return typeof entry === "string" ? realpathSync(path.join(root, "..", name, entry)) : null;
      },
    },
    dts({
      respectExternal: true,
      tsconfig: path.join(root, "tsconfig.json"),
      compilerOptions: { noEmit: false, declaration: true, emitDeclarationOnly: true, allowImportingTsExtensions: true, types: ["node"] },
    }),
  ],
  onwarn(warning, warn) {
    if (warning.code !== "CIRCULAR_DEPENDENCY") warn(warning);
  },
});
const { output } = await bundle.generate({ format: "es" });
writeFileSync(path.join(dist, "index.d.ts"), output[0].code);
await bundle.close();

// Every import the declarations keep must be a dependency (or node's own types).
const typeImports = [...output[0].code.matchAll(/from ['"]([^'"]+)['"]/g)].map((m) => m[1]);
const bare = (id) => (id.startsWith("@") ? id.split("/").slice(0, 2).join("/") : id.split("/")[0]);
const unknownImports = [...new Set(typeImports.map(bare))].filter((id) => !id.startsWith("node:") && !(id in dependencies));
if (unknownImports.length > 0) throw new Error(`the declarations import packages that are not dependencies: ${unknownImports.join(", ")}`);

writeFileSync(
  path.join(dist, "package.json"),
  `${JSON.stringify(
    {
      name: sdk.name,
      version: sdk.version,
      description: "Handoff's SDK: build DAGs of functions, run them locally, or on a Handoff cluster through its API",
      type: "module",
      license: "MIT",
      engines: { node: ">=20.19" },
      exports: { ".": { types: "./index.d.ts", import: "./index.js" } },
      main: "./index.js",
      types: "./index.d.ts",
      files: ["index.js", "index.js.map", "index.d.ts", "README.md"],
      sideEffects: false,
      dependencies,
    },
    null,
    2,
  )}\n`,
);
copyFileSync(path.join(root, "README.md"), path.join(dist, "README.md"));
console.log(`built ${path.relative(process.cwd(), dist)}: index.js, index.d.ts; dependencies ${external.join(", ")}`);
