/** The path of a request target, without its query string. */
export const pathOf = (url: string): string => {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
};

/** The OpenAI-compatible endpoint, which answers in OpenAI's error shape. */
export const isGatewayPath = (path: string): boolean =>
  path === '/v1' || path.startsWith('/v1/');

/** The API, the gateway and the metrics: never a file of the web app. */
export const isApiPath = (path: string): boolean =>
  path === '/api' ||
  path.startsWith('/api/') ||
  path === '/metrics' ||
  isGatewayPath(path);
