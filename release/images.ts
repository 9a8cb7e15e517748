// What a release publishes, named from package.json's version: the one place the CLI's
// `install kubernetes` and the ECS construct take their default image from (see docs/release.md).
import pkg from '../package.json' with { type: 'json' };

export const RELEASE_VERSION: string = pkg.version;
/** Amazon ECR Public: pulled by EKS and ECS without Docker Hub's rate limits or credentials. */
export const IMAGE_REPOSITORY_PREFIX = 'public.ecr.aws/trellis-mesh';
/** trellis-agent, Envoy and iptables-restore (sidecar/Dockerfile): the proxy, its init step and the injection webhook. */
export const PROXY_IMAGE = `${IMAGE_REPOSITORY_PREFIX}/proxy:${RELEASE_VERSION}`;
/** The xDS server for ECS or any container platform (xds-server/Dockerfile). */
export const XDS_SERVER_IMAGE = `${IMAGE_REPOSITORY_PREFIX}/xds-server:${RELEASE_VERSION}`;
