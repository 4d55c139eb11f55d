import {
  type ArgumentMetadata,
  BadRequestException,
  type Type,
  ValidationPipe,
} from '@nestjs/common';
import { IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from './pagination.dto';
import { IsOptionalNotNull } from './validation';
import { AppValidationPipe } from './validation.pipe';

class OptionalQueryDto {
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(10)
  model?: string;
}

class RequiredQueryDto {
  @IsString()
  day!: string;
}

const query = (metatype: Type<unknown>): ArgumentMetadata => ({
  type: 'query',
  metatype,
  data: undefined,
});

describe('AppValidationPipe', () => {
  let full: jest.SpyInstance;
  beforeEach(() => {
    full = jest.spyOn(ValidationPipe.prototype, 'transform');
  });
  afterEach(() => full.mockRestore());

  it('answers an empty query with a new instance, validating it once per DTO', async () => {
    const pipe = new AppValidationPipe();
    const first = await pipe.transform({}, query(OptionalQueryDto));
    const second = await pipe.transform(
      Object.create(null),
      query(OptionalQueryDto),
    );
    expect(first).toBeInstanceOf(OptionalQueryDto);
    expect(second).toBeInstanceOf(OptionalQueryDto);
    expect(second).not.toBe(first);
    expect({ ...(second as object) }).toEqual({});
    expect(full).toHaveBeenCalledTimes(1);
    // Defaults set by the DTO come with the instance, as before.
    const page = await pipe.transform({}, query(PageQueryDto));
    expect(page).toBeInstanceOf(PageQueryDto);
    expect({ ...(page as object) }).toEqual({ page: 1, page_size: 50 });
  });

  it('still refuses an empty query that is not valid, every time', async () => {
    const pipe = new AppValidationPipe();
    for (let i = 0; i < 2; i++) {
      await expect(
        pipe.transform({}, query(RequiredQueryDto)),
      ).rejects.toBeInstanceOf(BadRequestException);
    }
  });

  it('validates a query that has parameters in full', async () => {
    const pipe = new AppValidationPipe();
    await pipe.transform({}, query(OptionalQueryDto));
    expect(
      await pipe.transform({ model: 'local' }, query(OptionalQueryDto)),
    ).toEqual(Object.assign(new OptionalQueryDto(), { model: 'local' }));
    await expect(
      pipe.transform({ model: 'x'.repeat(11) }, query(OptionalQueryDto)),
    ).rejects.toBeInstanceOf(BadRequestException);
    await expect(
      pipe.transform({ extra: '1' }, query(OptionalQueryDto)),
    ).rejects.toMatchObject({
      response: { message: ['property extra should not exist'] },
    });
    await expect(
      pipe.transform({ model: 'a\u0000b' }, query(OptionalQueryDto)),
    ).rejects.toBeInstanceOf(BadRequestException);
  });
});
