/** Trusted roots: the list, and adding a sandbox root (pasted or fetched from a URL you type) only after its SHA-256 fingerprint is shown and confirmed. */
import { useEffect, useState } from 'preact/hooks';
import { readText } from '../../../protocol/body.ts';
import { MAX_ROOT_PEM_BYTES } from '../../../wallet/limits.ts';
import type { RootProposal, RootSummary } from '../../../wallet/roots.ts';
import { Button } from '../../components/Button.tsx';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { Field } from '../../components/Field.tsx';
import { SandboxBadge } from '../../components/SandboxBadge.tsx';
import { formatDate } from '../../format.ts';
import { t, uiLocale } from '../../i18n.ts';
import { call } from '../../wallet-client.ts';
import { useAction } from './use-action.ts';

export function RootsSection({ unlocked }: { unlocked: boolean }) {
  const [roots, setRoots] = useState<RootSummary[]>();
  const [pem, setPem] = useState('');
  const [url, setUrl] = useState('');
  const [proposal, setProposal] = useState<RootProposal>();
  const [added, setAdded] = useState<string>();
  const { busy, error, setError, run } = useAction();
  const load = async () => setRoots(await call({ type: 'roots.list' }));
  useEffect(() => void run(load), []);

  const propose = (text: string) =>
    run(async () => {
      setAdded(undefined);
      setProposal(await call({ type: 'roots.propose', pem: text }));
    });
  const fetchRoot = async (e: Event) => {
    e.preventDefault();
    let text: string;
    try {
      const u = new URL(url);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
      const res = await fetch(u, { credentials: 'omit', cache: 'no-store', redirect: 'error' });
      if (!res.ok) throw new Error(String(res.status));
      text = await readText(res, MAX_ROOT_PEM_BYTES);
    } catch {
      setError({ code: 'rootFetch', messageKey: 'error_rootFetch', params: {} });
      return;
    }
    setPem(text);
    await propose(text);
  };

  return (
    <section class="stack" aria-labelledby="roots-heading">
      <h2 id="roots-heading">{t('rootsHeading')}</h2>
      <p class="muted">{t('rootsIntro')}</p>
      {roots?.length === 0 ? <p class="muted">{t('rootsEmpty')}</p> : null}
      <ul class="list">
        {(roots ?? []).map((r) => (
          <li key={r.fingerprint} class="card stack">
            <p class="row">
              <strong>{r.subject}</strong>
              {r.builtIn ? <span class="badge">{t('rootBuiltIn')}</span> : null}
              <SandboxBadge show={r.sandbox} />
            </p>
            <p class="muted">
              {t('rootValidity', [formatDate(r.notBefore, uiLocale()), formatDate(r.notAfter, uiLocale())])}
            </p>
            <p>
              <span class="label">{t('rootFingerprint')}</span> <span class="mono">{r.fingerprint}</span>
            </p>
            {r.builtIn ? null : (
              <div class="row">
                <Button
                  variant="link"
                  disabled={busy}
                  onClick={() =>
                    void run(async () => {
                      await call({ type: 'roots.remove', fingerprint: r.fingerprint });
                      await load();
                    })
                  }
                >
                  {t('rootRemove', r.subject)}
                </Button>
              </div>
            )}
          </li>
        ))}
      </ul>

      <h3>{t('rootAddHeading')}</h3>
      {!unlocked ? <p class="notice notice-warn">{t('rootAddLocked')}</p> : null}
      {proposal ? (
        <section class="card stack" aria-labelledby="proposal-heading">
          <h4 id="proposal-heading" class="label">
            {t('rootProposalHeading')}
          </h4>
          <dl class="facts">
            <dt>{t('rootSubject')}</dt>
            <dd>{proposal.subject}</dd>
            <dt>{t('rootFingerprint')}</dt>
            <dd class="mono">{proposal.fingerprint}</dd>
            <dt>{t('rootValidityLabel')}</dt>
            <dd>
              {t('rootValidity', [
                formatDate(proposal.notBefore, uiLocale()),
                formatDate(proposal.notAfter, uiLocale()),
              ])}
            </dd>
          </dl>
          <p class="notice notice-warn">{t('rootProposalWarning')}</p>
          <div class="actions">
            <Button onClick={() => setProposal(undefined)} autoFocus>
              {t('cancelButton')}
            </Button>
            <Button
              variant="primary"
              busy={busy}
              onClick={() =>
                void run(async () => {
                  const root = await call({ type: 'roots.confirm', fingerprint: proposal.fingerprint });
                  setProposal(undefined);
                  setPem('');
                  setUrl('');
                  setAdded(root.subject);
                  await load();
                })
              }
            >
              {t('rootConfirm')}
            </Button>
          </div>
        </section>
      ) : (
        <>
          <form
            class="stack"
            onSubmit={(e) => {
              e.preventDefault();
              void propose(pem);
            }}
          >
            <div class="field">
              <label for="root-pem">{t('rootPemLabel')}</label>
              <textarea
                id="root-pem"
                class="mono"
                spellcheck={false}
                maxLength={MAX_ROOT_PEM_BYTES}
                value={pem}
                onInput={(e) => setPem(e.currentTarget.value)}
              />
            </div>
            <div class="actions">
              <Button type="submit" busy={busy} disabled={!pem.trim()}>
                {t('rootCheck')}
              </Button>
            </div>
          </form>
          <form class="stack" onSubmit={(e) => void fetchRoot(e)}>
            <Field
              id="root-url"
              label={t('rootUrlLabel')}
              hint={t('rootUrlHint')}
              type="url"
              inputMode="url"
              placeholder={t('rootUrlPlaceholder')}
              value={url}
              onInput={(e) => setUrl(e.currentTarget.value)}
            />
            <div class="actions">
              <Button type="submit" busy={busy} disabled={!url.trim()}>
                {t('rootFetch')}
              </Button>
            </div>
          </form>
        </>
      )}
      {added ? (
        <p class="notice notice-ok" role="status">
          {t('rootAdded', added)}
        </p>
      ) : null}
      <ErrorNotice error={error} />
    </section>
  );
}
