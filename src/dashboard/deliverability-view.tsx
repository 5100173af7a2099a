// The Deliverability view: the state of the tenant's sending (with why), sent and the rates per day with the
// thresholds drawn, the thresholds and the soft-bounce policy, and the notification endpoint with its last
// deliveries. Filled by public/assets/views/deliverability.js.
import { Field, Notice, View } from "./page";

const Percent = (props: { id: string; label: string }) => (
  <Field id={props.id} label={props.label} type="number" inputmode="numeric" />
);

export const DeliverabilityView = () => (
  <View id="deliverability" title="Deliverability">
    <p>
      Bounce and spam-complaint rates over a rolling window of what Postmark sent, against thresholds. The state is
      checked every minute; the platform hears of each change at its notification endpoint.
    </p>
    <Notice id="deliverability-notice" />
    <div id="deliverability-body" hidden>
      <p class="state-line">
        <span id="deliverability-state" class="badge"></span> <span id="deliverability-reason"></span>
      </p>
      <dl class="stats">
        <div>
          <dt>Sent</dt>
          <dd id="deliverability-sent">–</dd>
        </div>
        <div>
          <dt>Bounce rate</dt>
          <dd id="deliverability-bounce-rate">–</dd>
        </div>
        <div>
          <dt>Spam complaint rate</dt>
          <dd id="deliverability-complaint-rate">–</dd>
        </div>
      </dl>
      <p class="hint" id="deliverability-window"></p>
      <h2>Per day (last 30 days)</h2>
      <p class="hint" id="deliverability-days-note"></p>
      <figure id="deliverability-bounce-chart" class="chart"></figure>
      <figure id="deliverability-complaint-chart" class="chart"></figure>
      <table class="table">
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col" class="num">
              Sent
            </th>
            <th scope="col" class="num">
              Bounces
            </th>
            <th scope="col" class="num">
              Bounce rate
            </th>
            <th scope="col" class="num">
              Complaints
            </th>
            <th scope="col" class="num">
              Complaint rate
            </th>
          </tr>
        </thead>
        <tbody id="deliverability-days"></tbody>
      </table>
    </div>

    <h2>Thresholds and soft bounces</h2>
    <form id="policy-form" novalidate>
      <div class="field-row">
        <Percent id="policy-bounceWarning" label="Bounce rate warning (%)" />
        <Percent id="policy-bounceCritical" label="Bounce rate critical (%)" />
      </div>
      <div class="field-row">
        <Percent id="policy-complaintWarning" label="Complaint rate warning (%)" />
        <Percent id="policy-complaintCritical" label="Complaint rate critical (%)" />
      </div>
      <div class="field-row">
        <Field id="policy-windowDays" label="Window (days)" type="number" inputmode="numeric" />
        <Field id="policy-minimumSent" label="Minimum sent for a verdict" type="number" inputmode="numeric" />
      </div>
      <fieldset class="choices">
        <legend>Soft bounces</legend>
        <div class="choice">
          <input type="checkbox" id="policy-softBounces" name="softBounces" />
          <label for="policy-softBounces">Suppress an address after repeated soft bounces</label>
        </div>
      </fieldset>
      <div class="field-row">
        <Field id="policy-softCount" label="How many soft bounces" type="number" inputmode="numeric" />
        <Field id="policy-softDays" label="Within (days)" type="number" inputmode="numeric" />
      </div>
      <button type="submit">Save policy</button>
    </form>
    <Notice id="policy-notice" />

    <h2>Notifications to your platform</h2>
    <p>
      Each suppression, reactivation and change of state is posted to this HTTPS endpoint, signed as Standard Webhooks:
      verify it with the <code>standardwebhooks</code> library and the signing secret.
    </p>
    <form id="endpoint-form" novalidate>
      <Field id="endpoint-url" label="Endpoint URL" type="url" />
      <div class="actions">
        <button type="submit">Save endpoint</button>
        <button type="button" id="endpoint-test" class="secondary" hidden>
          Send a test event
        </button>
        <button type="button" id="endpoint-rotate" class="secondary" hidden>
          Rotate secret…
        </button>
        <button type="button" id="endpoint-delete" class="secondary" hidden>
          Stop notifications…
        </button>
      </div>
    </form>
    <Notice id="endpoint-notice" />
    <div id="endpoint-secret-box" class="notice ok" hidden>
      <p>
        Signing secret (shown once, copy it now): <code id="endpoint-secret"></code>
      </p>
    </div>
    <h3>Last deliveries</h3>
    <table class="table">
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Created</th>
          <th scope="col">State</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last answer</th>
        </tr>
      </thead>
      <tbody id="endpoint-deliveries"></tbody>
    </table>
  </View>
);
