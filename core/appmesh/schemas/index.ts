export * from './common.ts';
export * from './mesh.ts';
export * from './virtual-node.ts';
export * from './virtual-service.ts';
export * from './virtual-router.ts';
export * from './route.ts';
export * from './virtual-gateway.ts';
export * from './gateway-route.ts';
