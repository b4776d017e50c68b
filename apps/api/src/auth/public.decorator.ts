import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'branchflow:public';

/** Marks a route that needs no bearer token (health, the OpenAPI page). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
