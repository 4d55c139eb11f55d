import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601, Matches } from 'class-validator';
import { IsOptionalNotNull } from './validation';

/** An optional `YYYY-MM-DD` query parameter that must be a real calendar day. */
export const CalendarDayParam = (description: string) =>
  applyDecorators(
    ApiProperty({
      type: 'string',
      format: 'date',
      required: false,
      description,
      example: '2026-11-28',
    }),
    IsOptionalNotNull(),
    Matches(/^\d{4}-\d{2}-\d{2}$/, {
      message: '$property must be a calendar day written YYYY-MM-DD',
    }),
    IsISO8601(
      { strict: true },
      { message: '$property must be a real calendar day' },
    ),
  );
