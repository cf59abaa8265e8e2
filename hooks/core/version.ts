import pkg from '../../package.json' with { type: 'json' }

/** The package version; ETags also include a build id so new code never reuses old ETags. */
export const PACKAGE_VERSION: string = pkg.version
