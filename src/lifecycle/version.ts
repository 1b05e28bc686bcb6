export const VERSION = '0.1.0';

/** The runtime-spec version hako implements (`spec`'s ociVersion, `features`' ociVersionMax). */
export const OCI_VERSION = '1.3.0';

export function versionText(): string {
  return `hako version ${VERSION}\nspec: ${OCI_VERSION}\nnode: ${process.version}\n`;
}
