import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { makeTreePrivate } from '../common/private-files';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { dataSourceOptions, embeddedDatabaseDir } from './database.options';
import { DatabaseService } from './database.service';
import { runMigrations } from './migrate';

/** Once the migrations have run: the files they made in the embedded database are made private (0600). */
@Injectable()
class EmbeddedFilesPrivate implements OnApplicationBootstrap {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    const dir = embeddedDatabaseDir(this.config);
    if (dir) makeTreePrivate(dir);
  }
}

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config),
        autoLoadEntities: true,
      }),
      dataSourceFactory: async (options) => {
        const ds = await new DataSource(options!).initialize();
        await runMigrations(ds, new Logger('Database'));
        return ds;
      },
    }),
  ],
  providers: [DatabaseService, EmbeddedFilesPrivate],
  exports: [DatabaseService],
})
export class DatabaseModule {}
