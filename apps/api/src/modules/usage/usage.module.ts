import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { AdmissionService } from './admission.service';
import { Clock } from './clock';
import { HoldsService } from './holds.service';
import { LimitsService } from './limits.service';
import { StreamSlotsService } from './stream-slots.service';
import { UsageExportService } from './usage-export.service';
import { UsageReportService } from './usage-report.service';
import { UsageService } from './usage.service';

/**
 * Quotas: which limits apply, the admission lease of a send (stream slot
 * and quota hold, one heartbeat), counters and usage reports. Expects the
 * global database, settings, metrics and configuration modules.
 */
@Module({
  imports: [AlertsModule],
  providers: [
    Clock,
    UsageService,
    LimitsService,
    HoldsService,
    StreamSlotsService,
    AdmissionService,
    UsageReportService,
    UsageExportService,
  ],
  exports: [
    Clock,
    UsageService,
    LimitsService,
    HoldsService,
    AdmissionService,
    UsageReportService,
    UsageExportService,
  ],
})
export class UsageModule {}
