import { Module } from '@nestjs/common';
import { CataloguePolicy } from './catalogue-policy.service';
import { EgressProxy } from './egress-proxy.service';

/** The workers' egress proxy. Only the workers module imports it: the API opens no browser. */
@Module({ providers: [CataloguePolicy, EgressProxy], exports: [EgressProxy] })
export class EgressModule {}
