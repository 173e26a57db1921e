/**
 * A component loaded on its first render (a dynamic import): a page's first load carries only what
 * it shows at once (issue 11: each page ≤ 40 KB with what its HTML loads), and the rest comes as a
 * chunk of its own when it is needed. Until then a Progress line stands in; a chunk that cannot load
 * (the extension was updated under the page) says so like a background that went away.
 */
import type { ComponentType, FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from './components/ErrorNotice.tsx';
import { Progress } from './components/Progress.tsx';
import { t } from './i18n.ts';
import { BACKGROUND_GONE } from './wallet-client.ts';

export function lazy<P extends object>(
  load: () => Promise<ComponentType<P>>,
  /** `quiet`: nothing stands in (for a part that is often empty, such as a notice under a card). */
  waiting: 'progress' | 'quiet' = 'progress',
): FunctionComponent<P> & { preload(): void } {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<ComponentType<P>> | undefined;
  const start = (): Promise<ComponentType<P>> => {
    loading ??= load().then(
      (component) => {
        loaded = component;
        return component;
      },
      (e: unknown) => {
        loading = undefined;
        throw e;
      },
    );
    return loading;
  };
  const Lazy = function Lazy(props: P) {
    const [, setReady] = useState(false);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (loaded) return;
      start().then(
        () => setReady(true),
        () => setFailed(true),
      );
    }, []);
    if (loaded) {
      const Loaded = loaded;
      return <Loaded {...props} />;
    }
    if (failed) return <ErrorNotice error={BACKGROUND_GONE} />;
    return waiting === 'quiet' ? null : <Progress text={t('loading')} />;
  };
  return Object.assign(Lazy, {
    /**
     * Fetches the chunk now, before the first render: a component preloaded renders at once, in
     * the same frame as its parent (a failure is retried, and told, when it renders).
     */
    preload(): void {
      start().catch(() => undefined);
    },
  });
}
