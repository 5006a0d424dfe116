import type { AddFeedbackResult, PatternModel } from "../../src/model/pattern-model";
import { answerOfFeedback } from "../../src/suggestions/asking";
import { SuggestionBook } from "../../src/suggestions/book";

/** A node's hold on the suggestion book of its model's store directory. */
export interface BookHold {
  book: SuggestionBook;
  /** Lets go of the book; the last node to let go closes it (and gives its lock back). */
  release(): Promise<void>;
}

interface OpenBook {
  opening: Promise<SuggestionBook>;
  users: number;
  detach: () => void;
}

// One book per open model: the ask, create and dashboard nodes of one model share it (the file
// has one writer), and it closes with the last of them, before a redeploy opens it again.
const books = new Map<PatternModel, OpenBook>();

/**
 * The suggestion book beside a model (in its store directory), opened on first use. Every
 * decision the model stores (phone, dashboard, flow, implicit) is written into the book as an
 * answer with who gave it, so the book knows it whichever node received it.
 */
export async function holdBook(model: PatternModel, options: { snoozeDays?: number } = {}): Promise<BookHold> {
  let open = books.get(model);
  if (open === undefined) {
    const opening = SuggestionBook.open(model.settings.storeDir);
    const follow = (result: AddFeedbackResult) => {
      opening
        .then(async (book) => {
          for (const feedback of result.stored) {
            const { patternId, answer, who } = answerOfFeedback(feedback);
            await book.answer(patternId, answer, who);
          }
        })
        // A book that could not open (or closed meanwhile) was reported where it was opened.
        .catch(() => undefined);
    };
    model.on("feedback", follow);
    open = { opening, users: 0, detach: () => model.off("feedback", follow) };
    books.set(model, open);
    opening.catch(() => {
      open!.detach();
      books.delete(model);
    });
  }
  const held = open;
  held.users++;
  let released = false;
  const book = await held.opening.catch((error: unknown) => {
    held.users--;
    throw error;
  });
  // The ask node's setting, whichever node opened the book first.
  if (options.snoozeDays !== undefined) book.setSnoozeDays(options.snoozeDays);
  return {
    book,
    release: async () => {
      if (released) return;
      released = true;
      held.users--;
      if (held.users > 0) return;
      held.detach();
      books.delete(model);
      await book.close();
    },
  };
}
