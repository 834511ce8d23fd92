// oidc-provider and dns2 ship no type declarations; the bench uses them through
// these loose ones (bench code only, never the app).
/* eslint-disable @typescript-eslint/no-explicit-any -- the two modules are untyped; bench code only */
declare module 'oidc-provider' {
  const Provider: any;
  export default Provider;
  export const errors: any;
  export type KoaContextWithOIDC = any;
}
declare module 'dns2' {
  const dns2: any;
  export default dns2;
}
