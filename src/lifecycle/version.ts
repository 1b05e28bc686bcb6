export const VERSION = '0.1.0';

export function versionText(specVersion: string): string {
  return `hako version ${VERSION}\nspec: ${specVersion}\nnode: ${process.version}\n`;
}
