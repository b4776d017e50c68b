/** @app/org — the organisation tree, members, users with scoped roles, tokens and access rules. */
export * from './access.js';
export * from './import/index.js';
export * from './accounts.repository.js';
export * from './channel-robot.js';
export * from './channels.repository.js';
export * from './member-references.js';
export * from './members.repository.js';
export * from './names.js';
export * from './org.directory.js';
export * from './org.exception.js';
export * from './org.types.js';
export * from './passwords.js';
export * from './tokens.js';
export * from './units.repository.js';
