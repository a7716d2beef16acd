/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's GraphQL endpoint when the portal is served apart from it (`npm run dev`); default: this origin's /graphql. */
  readonly VITE_LIXIAO_API?: string;
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
