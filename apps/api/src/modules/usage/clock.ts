import { Injectable } from '@nestjs/common';

/** The current time for quota days; tests replace `now` to move through days. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
