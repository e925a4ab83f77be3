// A real OpenID Connect provider for the VNeID tests: the certified `oidc-provider`, set up
// the way the national login service works for the portal (authorization code flow, PKCE
// S256 required, a confidential client, the personal ID number as a claim of its own), with
// two tiny interaction routes instead of a login page, so that tests drive it over HTTP:
//
//   GET  /interaction/:uid           what the provider asks for (JSON; for a browser, a tiny
//                                    page with the accounts and two buttons)
//   POST /interaction/:uid           account=<id>&decision=allow|deny: log in and consent
//                                    at once, or refuse (access_denied); 303 back to /auth
//
// Settings come from the environment: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URIS (space-
// separated), ACCOUNTS (JSON: {accountId: {claim: value}}), CODE_TTL (seconds, default 60).
// It prints "ready <issuer>" once it listens.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 0);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: process.env.REDIRECT_URIS.split(' '),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  // The national service's user record: the personal ID number and the full name with the
  // `openid` scope; the date of birth and the mobile number with the standard scopes.
  claims: {
    openid: ['sub', 'SoDinhDanh', 'HoVaTen'],
    profile: ['birthdate'],
    phone: ['phone_number', 'phone_number_verified'],
  },
  scopes: ['openid', 'profile', 'phone'],
  findAccount: async (ctx, id) => {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: { devInteractions: { enabled: false } },
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  ttl: { AuthorizationCode: Number(process.env.CODE_TTL || 60) },
});

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(uid) {
  const options = Object.keys(accounts)
    .map((id) => `<option value="${escape(id)}">${escape(accounts[id].HoVaTen || id)}</option>`)
    .join('');
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>VNeID (test)</title></head>
<body><main><h1>VNeID (test)</h1>
<form method="post" action="/interaction/${escape(uid)}">
<label for="account">Account</label> <select id="account" name="account">${options}</select>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></main></body></html>`;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(body))));
    req.on('error', reject);
  });
}

provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
  if (!match) {
    await next();
    return;
  }
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'GET') {
    if ((ctx.get('accept') || '').includes('text/html')) {
      ctx.type = 'html';
      ctx.body = page(details.uid);
    } else {
      ctx.body = { uid: details.uid, prompt: details.prompt.name, params: details.params };
    }
    return;
  }
  const form = await readForm(ctx.req);
  let result;
  if (form.decision !== 'allow') {
    result = { error: 'access_denied', error_description: 'End-User refused' };
  } else if (!accounts[form.account]) {
    ctx.status = 400;
    ctx.body = { error: 'unknown account' };
    return;
  } else {
    const grant = new provider.Grant({ accountId: form.account, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    result = { login: { accountId: form.account }, consent: { grantId } };
  }
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: false,
  });
  ctx.status = 303;
  ctx.redirect(returnTo);
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
