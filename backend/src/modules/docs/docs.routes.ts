/**
 * /api/docs: Swagger UI over /api/openapi.json, served from the installed swagger-ui-dist (no CDN). The
 * CSP allows only same-origin scripts and no inline ones, so the initializer is a script file too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { docsAssetParams, docsAssetSchema, docsPageSchema } from '../../contracts/docs.js';
import { notFound } from '../../http/errors.js';
import { route } from '../../http/route.js';

const SWAGGER_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Gymflow API</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/api/docs/docs-init.js"></script>
</body>
</html>
`;

const INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout'
  });
});
`;

export function docsRoutes() {
  return [
    route({
      method: 'get',
      path: '/api/docs',
      summary: 'Browsable API documentation (an HTML page over /api/openapi.json)',
      tag: 'docs',
      roles: 'public',
      produces: 'text/html',
      response: docsPageSchema,
      handler: async (ctx) => {
        ctx.type = 'text/html; charset=utf-8';
        ctx.set('Cache-Control', 'no-cache');
        ctx.body = PAGE;
      },
    }),
    route({
      method: 'get',
      path: '/api/docs/:file',
      summary: 'Assets of the documentation page (Swagger UI, served locally)',
      tag: 'docs',
      roles: 'public',
      params: docsAssetParams,
      produces: 'application/octet-stream',
      response: docsAssetSchema,
      handler: async (ctx, { params }) => {
        if (params.file === 'docs-init.js') {
          ctx.type = 'application/javascript; charset=utf-8';
          ctx.body = INIT;
          return;
        }
        const type = Object.hasOwn(ASSETS, params.file) ? ASSETS[params.file] : undefined;
        if (!type) throw notFound();
        ctx.type = type;
        ctx.set('Cache-Control', 'public, max-age=86400');
        ctx.body = fs.createReadStream(path.join(SWAGGER_DIR, params.file));
      },
    }),
  ];
}
