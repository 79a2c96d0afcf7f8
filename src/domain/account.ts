// An account: who may send webhooks and read through the REST API, and the token its signatures use.

export interface Account {
  sid: string;
  authToken: string;
  friendlyName: string;
}
