import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { wholeNumber } from './validation';

/** `?page=1&page_size=50`: decimal digits only; out of range is 400, never clamped. */
export class PageQueryDto {
  /** From 1. */
  @ApiPropertyOptional({ type: 'integer', default: 1 })
  @IsOptional()
  @Transform(wholeNumber)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number = 1;

  /** From 1 to 200. */
  @ApiPropertyOptional({ type: 'integer', default: 50 })
  @IsOptional()
  @Transform(wholeNumber)
  @IsInt()
  @Min(1)
  @Max(200)
  page_size?: number = 50;
}
