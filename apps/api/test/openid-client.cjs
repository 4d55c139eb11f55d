// openid-client (and its jose and oauth4webapi) are ES modules only. Node
// loads them with require() (20.19+); Jest's own module system does not, so
// in the API's specs the module is required by Node itself, outside Jest.
const { createRequire } = process.getBuiltinModule('node:module');
module.exports = createRequire(__filename)('openid-client');
