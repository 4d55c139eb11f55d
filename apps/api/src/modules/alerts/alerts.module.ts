import { Module } from '@nestjs/common';
import { AlertDeliveryService } from './alert-delivery.service';
import { AlertsService } from './alerts.service';

/**
 * Alerts: thresholds crossed, recorded in the settle's transaction (the
 * outbox, table `alerts`), and the worker that delivers them to the
 * webhook. Expects the global database, settings and configuration modules.
 */
@Module({
  providers: [AlertsService, AlertDeliveryService],
  exports: [AlertsService, AlertDeliveryService],
})
export class AlertsModule {}
