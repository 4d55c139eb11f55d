import { Module } from '@nestjs/common';
import { Clock } from './clock';
import { UsageReportService } from './usage-report.service';
import { UsageService } from './usage.service';

/**
 * Daily quotas: counters, limits, reservations and usage reports. Expects
 * the global database, settings and configuration modules.
 */
@Module({
  providers: [Clock, UsageService, UsageReportService],
  exports: [Clock, UsageService, UsageReportService],
})
export class UsageModule {}
