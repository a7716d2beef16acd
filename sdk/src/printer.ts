// Loaded on demand (see operationInfo): a module of its own so bundlers split GraphQL's printer into
// a chunk that only documents given as syntax trees load, tree-shaken to `print` alone.
export { print } from 'graphql';
