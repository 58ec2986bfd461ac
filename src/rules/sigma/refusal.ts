/** A Sigma rule the converter refuses as a whole; the message is the reason (the caller adds file and rule id). */
export class SigmaRefusal extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SigmaRefusal';
  }
}
