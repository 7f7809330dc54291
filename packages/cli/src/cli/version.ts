/** The CLI's version, the `version` of its package.json. */
export const CLI_VERSION = '0.1.0';
