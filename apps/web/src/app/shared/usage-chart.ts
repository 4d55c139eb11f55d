import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import type { UsageHistoryItem } from '@tally/api-contract';
import type { Chart } from 'chart.js';
import { formatCompact, formatDay, formatNumber } from '../core/i18n/format';
import { LanguageService } from '../core/i18n/language.service';

type ChartModule = typeof import('chart.js');

let chartModule: Promise<ChartModule> | null = null;

/** chart.js, fetched the first time a chart is drawn (its own lazy chunk), with only the parts used. */
function loadChartJs(): Promise<ChartModule> {
  chartModule ??= import('chart.js').then((m) => {
    m.Chart.register(
      m.BarController,
      m.BarElement,
      m.LineController,
      m.LineElement,
      m.PointElement,
      m.CategoryScale,
      m.LinearScale,
      m.Legend,
      m.Tooltip,
    );
    return m;
  });
  return chartModule;
}

/** One day of a usage chart: the admin's history and a user's own have these. */
export type UsageChartDay = Pick<
  UsageHistoryItem,
  'date' | 'messages' | 'tokens'
>;

/** Messages (bars) and tokens (line) per day: the admin's usage page and a user's own. */
@Component({
  selector: 'app-usage-chart',
  imports: [TranslatePipe],
  template: `
    <figure class="chart">
      <div class="canvas-box">
        <canvas
          #canvas
          role="img"
          [attr.aria-label]="'shared.usageChart.label' | translate"
        ></canvas>
      </div>
      <figcaption class="visually-hidden">
        {{ 'shared.usageChart.label' | translate }}
      </figcaption>
      @if (failed()) {
        <p class="error-text">{{ 'shared.usageChart.failed' | translate }}</p>
      }
    </figure>
  `,
  styles: `
    /* The chart follows its box when the window narrows: nothing here may
       keep the box as wide as the canvas drawn for a wider window. */
    :host {
      display: block;
      min-width: 0;
    }
    .chart {
      margin: 0;
      min-width: 0;
    }
    .canvas-box {
      position: relative;
      height: 280px;
      min-width: 0;
      overflow: hidden;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UsageChart {
  readonly items = input.required<UsageChartDay[]>();

  private readonly canvas =
    viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private readonly language = inject(LanguageService);
  private readonly translate = inject(TranslateService);
  protected readonly failed = signal(false);
  private chart: Chart | null = null;
  private destroyed = false;

  constructor() {
    inject(DestroyRef).onDestroy(() => {
      this.destroyed = true;
      this.chart?.destroy();
    });
    effect(() => {
      const items = this.items();
      const lang = this.language.lang();
      const canvas = this.canvas().nativeElement;
      untracked(() => void this.draw(canvas, items, lang));
    });
  }

  private async draw(
    canvas: HTMLCanvasElement,
    items: UsageChartDay[],
    lang: string,
  ): Promise<void> {
    let m: ChartModule;
    try {
      m = await loadChartJs();
    } catch {
      this.failed.set(true);
      return;
    }
    if (this.destroyed) {
      return;
    }
    const style = getComputedStyle(canvas);
    const primary =
      style.getPropertyValue('--mat-sys-primary').trim() || '#005cbb';
    const tertiary = style.getPropertyValue('--tally-warn').trim() || '#8a5300';
    const labels = items.map((item) => formatDay(lang, item.date, 'short'));
    const messagesLabel = this.translate.instant(
      'shared.usageChart.messages',
    ) as string;
    const tokensLabel = this.translate.instant(
      'shared.usageChart.tokens',
    ) as string;
    this.chart?.destroy();
    this.chart = new m.Chart(canvas, {
      type: 'bar',
      data: {
        labels,
        datasets: [
          {
            type: 'bar',
            label: messagesLabel,
            data: items.map((item) => item.messages),
            backgroundColor: primary,
            yAxisID: 'messages',
          },
          {
            type: 'line',
            label: tokensLabel,
            data: items.map((item) => item.tokens),
            borderColor: tertiary,
            backgroundColor: tertiary,
            yAxisID: 'tokens',
            tension: 0.2,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        locale: lang,
        interaction: { mode: 'index', intersect: false },
        scales: {
          messages: {
            type: 'linear',
            position: 'left',
            beginAtZero: true,
            title: { display: true, text: messagesLabel },
            ticks: {
              precision: 0,
              callback: (v) => formatNumber(lang, Number(v)),
            },
          },
          tokens: {
            type: 'linear',
            position: 'right',
            beginAtZero: true,
            grid: { drawOnChartArea: false },
            title: { display: true, text: tokensLabel },
            ticks: { callback: (v) => formatCompact(lang, Number(v)) },
          },
        },
      },
    });
  }
}
