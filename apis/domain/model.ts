// The domain's data types are the contract's (schemas/model), so that clients can share them
// without importing server code.

export * from '../../schemas/model/library.ts';
