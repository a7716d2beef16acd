import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { onBeforeUnmount, ref } from 'vue';
import { api } from './api.js';

const RESUBSCRIBE_MS = 2_000;

/**
 * Runs a subscription while the component lives: each event goes to `onEvent`; a failed
 * subscription is started again (and `onResume` refetches what it may have missed), as is a
 * socket that came back after a loss (the SDK reconnects it; the page refetches).
 */
export function useLive<TResult, TVariables extends Record<string, unknown>>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables: () => TVariables,
  onEvent: (event: TResult) => void,
  onResume: () => void,
) {
  const lost = ref(false);
  let iterator: AsyncIterableIterator<TResult> | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function run() {
    const subscribe = api().subscribe as (document: TypedDocumentNode<TResult, TVariables>, variables: TVariables) => AsyncIterableIterator<TResult>;
    iterator = subscribe(document, variables());
    try {
      for await (const event of iterator) {
        if (lost.value) {
          lost.value = false;
          onResume();
        }
        onEvent(event);
      }
    } catch {
      if (stopped) return;
      lost.value = true;
      timer = setTimeout(() => {
        onResume();
        void run();
      }, RESUBSCRIBE_MS);
    }
  }

  const removeListener = api().onReconnected(() => onResume());
  void run();

  onBeforeUnmount(() => {
    stopped = true;
    clearTimeout(timer);
    removeListener();
    void iterator?.return?.();
  });
  return { lost };
}
