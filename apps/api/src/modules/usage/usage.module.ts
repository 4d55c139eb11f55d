import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { ModelsModule } from '../models/models.module';
import { AdmissionService } from './admission.service';
import { Clock } from './clock';
import { GrantsService } from './grants.service';
import { HoldsService } from './holds.service';
import { LimitAdminService } from './limit-admin.service';
import { LimitsService } from './limits.service';
import { OwnUsageService } from './own-usage.service';
import { SettleService } from './settle.service';
import { StreamSlotsService } from './stream-slots.service';
import { UsageExportService } from './usage-export.service';
import { UsageHistoryService } from './usage-history.service';
import { UsageReportService } from './usage-report.service';
import { UsageController } from './usage.controller';
import { UsageService } from './usage.service';
import { UserQueue } from './user-queue';

/**
 * Quotas: which limits apply, the admission lease of a send (stream slot
 * and quota hold, one heartbeat), counters and usage reports, the limits
 * and grants admins manage, and a user's own usage history. Expects the
 * global database, settings, metrics and configuration modules.
 */
@Module({
  imports: [AlertsModule, ModelsModule],
  controllers: [UsageController],
  providers: [
    LimitAdminService,
    GrantsService,
    OwnUsageService,
    Clock,
    UsageService,
    LimitsService,
    HoldsService,
    SettleService,
    UserQueue,
    StreamSlotsService,
    AdmissionService,
    UsageReportService,
    UsageExportService,
    UsageHistoryService,
  ],
  exports: [
    LimitAdminService,
    GrantsService,
    Clock,
    UsageService,
    LimitsService,
    HoldsService,
    AdmissionService,
    UsageReportService,
    UsageExportService,
    UsageHistoryService,
  ],
})
export class UsageModule {}
