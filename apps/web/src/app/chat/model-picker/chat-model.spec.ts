import { provideHttpClient } from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
} from '@angular/common/http/testing';
import { provideZonelessChangeDetection } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { Chat, ModelInfo, ModelInfoList } from '@tally/api-contract';
import { ChatModel } from './chat-model';

const NOW = '2026-11-28T12:00:00.000Z';

function info(id: string): ModelInfo {
  return {
    id,
    name: id,
    enabled: true,
    input_price: 0,
    output_price: 0,
    max_output_tokens: 1024,
    context_tokens: 8192,
    created_at: NOW,
    updated_at: NOW,
  };
}

const MODELS: ModelInfoList = {
  items: [info('local'), info('gpt-4o-mini')],
  default_model: 'local',
};

const chat = (model: string): Chat => ({
  id: 'c1',
  title: 'Greetings',
  model,
  created_at: NOW,
  updated_at: NOW,
});

const UNKNOWN_MODEL = {
  statusCode: 400,
  error: 'Bad Request',
  code: 'UNKNOWN_MODEL',
  message: 'unknown model',
};

describe('ChatModel', () => {
  let http: HttpTestingController;
  let model: ChatModel;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideZonelessChangeDetection(),
        provideHttpClient(),
        provideHttpClientTesting(),
        ChatModel,
      ],
    });
    http = TestBed.inject(HttpTestingController);
    model = TestBed.inject(ChatModel);
    http.expectOne('/api/models').flush(MODELS);
  });

  afterEach(() => http.verify());

  it("answers go to the chat's model while it is enabled, else to the default", () => {
    model.show('gpt-4o-mini');
    expect(model.active()).toBe('gpt-4o-mini');
    expect(model.missing()).toBeNull();
    expect(model.quotaModel()).toBe('gpt-4o-mini');

    model.show('retired');
    expect(model.active()).toBe('local');
    expect(model.missing()).toBe('retired');
    expect(model.quotaModel()).toBeNull();

    model.show(null);
    expect(model.active()).toBe('local');
    expect(model.missing()).toBeNull();
  });

  it('a pick for a chat not created yet is only remembered', () => {
    model.pick(null, 'gpt-4o-mini', () => undefined);
    expect(model.chosen()).toBe('gpt-4o-mini');
    expect(model.saving()).toBe(false);
  });

  it("stores a chat's pick, saving until the server answers", () => {
    model.show('local');
    model.pick('c1', 'gpt-4o-mini', () => undefined);
    expect(model.saving()).toBe(true);
    expect(model.active()).toBe('gpt-4o-mini');
    const patch = http.expectOne('/api/chats/c1');
    expect(patch.request.body).toEqual({ model: 'gpt-4o-mini' });
    patch.flush(chat('gpt-4o-mini'));
    expect(model.saving()).toBe(false);
    expect(model.chosen()).toBe('gpt-4o-mini');
  });

  it('puts the old model back when the pick is refused, and loads the list again', () => {
    model.show('local');
    const refused = vi.fn();
    model.pick('c1', 'gpt-4o-mini', refused);
    http
      .expectOne('/api/chats/c1')
      .flush(UNKNOWN_MODEL, { status: 400, statusText: 'Bad Request' });
    expect(model.chosen()).toBe('local');
    expect(model.saving()).toBe(false);
    expect(refused).toHaveBeenCalledOnce();

    expect(model.refusal(refused.mock.calls[0][0])).toBe(
      'errors.code.UNKNOWN_MODEL',
    );
    http.expectOne('/api/models').flush(MODELS);
  });

  it('another chat opened drops a pick on its way', () => {
    model.show('local');
    model.pick('c1', 'gpt-4o-mini', () => undefined);
    const patch = http.expectOne('/api/chats/c1');
    model.show(null);
    expect(model.saving()).toBe(false);
    expect(patch.cancelled).toBe(true);
    expect(model.chosen()).toBeNull();
  });
});
