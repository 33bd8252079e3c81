package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"portal/internal/db"
	"portal/internal/db/dbgen"
	"portal/internal/i18n"
)

// SignInArgs is the queued sign-in email. The code travels sealed; the
// worker looks the code up by id and sends nothing once it has expired or
// been used (D20).
type SignInArgs struct {
	CodeID     uuid.UUID `json:"code_id"`
	To         string    `json:"to"`
	SealedCode string    `json:"sealed_code"`
	// Lang is the language of the page (or the API request's
	// Accept-Language) that asked for the code; "" is the workspace's
	// default_locale.
	Lang string `json:"lang,omitempty"`
}

func (SignInArgs) Kind() string { return "portal_sign_in_mail" }

// CleanupArgs is the periodic cleanup job.
type CleanupArgs struct{}

func (CleanupArgs) Kind() string { return "portal_cleanup" }

// CleanupEvery is how often expired sign-in state is deleted.
const CleanupEvery = 10 * time.Minute

// Options configure the queue.
type Options struct {
	Pool    *pgxpool.Pool
	Log     *slog.Logger
	Secret  []byte
	SMTPURL string // empty: log and keep in the outbox
	From    string // MAIL_FROM
	BaseURL string // PORTAL_BASE_URL, for the link in the email
	Dev     bool
	// PollOnly makes the queue find new jobs by polling alone, without
	// LISTEN/NOTIFY, which a transaction pooler cannot carry.
	PollOnly bool
}

// Queue is the durable mail queue (River on PostgreSQL).
type Queue struct {
	client  *river.Client[pgx.Tx]
	sealer  *Sealer
	outbox  *Outbox
	sender  Sender
	log     *slog.Logger
	from    string
	baseURL string
	// retryBase is the first retry delay; it doubles per attempt up to a
	// minute. Tests shorten it.
	retryBase atomic.Int64
	started   atomic.Bool
}

// NewQueue builds the River client with the mail and cleanup workers. It
// is not working jobs until Start; inserting works at once.
func NewQueue(o Options) (*Queue, error) {
	sealer, err := NewSealer(o.Secret)
	if err != nil {
		return nil, err
	}
	q := &Queue{sealer: sealer, outbox: NewOutbox(200), log: o.Log, from: o.From, baseURL: strings.TrimRight(o.BaseURL, "/")}
	q.retryBase.Store(int64(time.Second))
	if o.SMTPURL == "" {
		q.sender = &LogSender{Log: o.Log, Outbox: q.outbox, Dev: o.Dev}
	} else {
		s, err := NewSMTPSender(o.SMTPURL)
		if err != nil {
			return nil, err
		}
		q.sender = s
		if o.Dev {
			q.sender = recording{Sender: s, outbox: q.outbox}
		}
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &signInWorker{q: q, pool: o.Pool})
	river.AddWorker(workers, &inviteWorker{q: q})
	river.AddWorker(workers, &newSignInWorker{q: q})
	river.AddWorker(workers, &cleanupWorker{pool: o.Pool, log: o.Log})
	// River's own chatter stays out of the log unless it is a problem.
	riverLog := slog.New(levelFilter{h: o.Log.Handler(), min: slog.LevelWarn})
	q.client, err = river.NewClient(riverpgxv5.New(o.Pool), &river.Config{
		Logger:            riverLog,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers:           workers,
		FetchPollInterval: 250 * time.Millisecond,
		FetchCooldown:     50 * time.Millisecond,
		PollOnly:          o.PollOnly,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(CleanupEvery),
				func() (river.JobArgs, *river.InsertOpts) {
					return CleanupArgs{}, &river.InsertOpts{MaxAttempts: 1}
				}, &river.PeriodicJobOpts{RunOnStart: true}),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("mail: river client: %w", err)
	}
	return q, nil
}

// Outbox is the in-memory list of recent messages (development page).
func (q *Queue) Outbox() *Outbox { return q.outbox }

// SetSender replaces the sender (tests).
func (q *Queue) SetSender(s Sender) { q.sender = s }

// SetRetryBase changes the first retry delay (tests).
func (q *Queue) SetRetryBase(d time.Duration) { q.retryBase.Store(int64(d)) }

// EnqueueSignInTx queues the sign-in email for code codeID in tx, the
// transaction that inserts the code: both happen or neither (D20).
func (q *Queue) EnqueueSignInTx(ctx context.Context, tx pgx.Tx, codeID uuid.UUID, to, code string) error {
	args := SignInArgs{CodeID: codeID, To: to, SealedCode: q.sealer.Seal(code, codeID.String())}
	if lang, ok := i18n.Chosen(ctx); ok {
		args.Lang = lang
	}
	// Retries continue until the code expires (the worker then cancels the
	// job); the attempt cap only bounds a pathological loop.
	_, err := q.client.InsertTx(ctx, tx, args, &river.InsertOpts{MaxAttempts: 100})
	if err != nil {
		return fmt.Errorf("mail: enqueue: %w", err)
	}
	return nil
}

// Start works jobs until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("mail: start queue: %w", err)
	}
	q.started.Store(true)
	return nil
}

// Stop finishes the jobs in progress (bounded by ctx) and stops.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.started.Load() {
		return nil
	}
	if err := q.client.Stop(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("mail: stop queue: %w", err)
	}
	return nil
}

// Depth counts mail jobs that failed a delivery attempt and wait for
// another (for the metrics gauge). Mail queued and not yet tried is not
// counted: only known addresses get mail, so a gauge that rose with every
// queued message would tell anyone comparing it around a sign-in request
// whether that address is known (D24). In normal operation the gauge is 0
// whatever the traffic; it rises when the SMTP server refuses or is away,
// which is what an operator needs to see.
func (q *Queue) Depth(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	var n int64
	err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'retryable'`, SignInArgs{}.Kind()).Scan(&n)
	return n, err
}

// SignInURL is the code form the email links to. It carries the address
// the code is bound to (never the code), so the form works in any browser:
// a phone or a mail app with no sign-in under way (issue 16.2, D18).
func SignInURL(baseURL, slug, email string) string {
	return baseURL + "/" + url.PathEscape(slug) + "/portal/authenticate?" + url.Values{"email": {email}}.Encode()
}

// DisplayCode is the XXXX-XXXX form of an 8-character code.
func DisplayCode(code string) string {
	if len(code) == 8 {
		return code[:4] + "-" + code[4:]
	}
	return code
}

type signInWorker struct {
	river.WorkerDefaults[SignInArgs]
	q    *Queue
	pool *pgxpool.Pool
}

var errCodeGone = errors.New("sign-in code expired or used before delivery")

func (w *signInWorker) Work(ctx context.Context, job *river.Job[SignInArgs]) error {
	row, err := dbgen.New(w.pool).SignInCodeDeliverable(ctx, job.Args.CodeID)
	if db.IsNotFound(err) {
		// Expired, used or replaced: an expired code is never delivered.
		return river.JobCancel(errCodeGone)
	}
	if err != nil {
		return fmt.Errorf("mail: load code: %w", err)
	}
	code, err := w.q.sealer.Open(job.Args.SealedCode, job.Args.CodeID.String())
	if err != nil {
		return river.JobCancel(err) // the secret changed: the code is unusable anyway
	}
	lang := job.Args.Lang
	if !i18n.Valid(lang) {
		lang = row.WorkspaceDefaultLocale
	}
	d := SignInData{To: job.Args.To, WorkspaceName: row.WorkspaceName, Code: DisplayCode(code), Lang: lang,
		Minutes: int(row.MinutesLeft), URL: SignInURL(w.q.baseURL, row.WorkspaceSlug, row.Email)}
	if row.WorkspaceAvatarUrl != nil {
		d.LogoURL = *row.WorkspaceAvatarUrl
	}
	replyTo := ""
	if row.WorkspaceEmail != nil {
		replyTo = *row.WorkspaceEmail
	}
	m, err := RenderSignIn(d, w.q.from, replyTo)
	if err != nil {
		return river.JobCancel(err)
	}
	m.SentAt = time.Now()
	sctx, cancel := context.WithDeadline(ctx, row.ExpiresAt)
	defer cancel()
	if err := w.q.sender.Send(sctx, m); err != nil {
		w.q.log.Warn("sign-in mail not delivered yet; will retry", "job_id", job.ID, "attempt", job.Attempt, "error", err.Error())
		return err
	}
	return nil
}

// NextRetry backs off exponentially from the base delay, capped at a
// minute, so a recovered SMTP server gets the mail well within the code's
// ten minutes.
func (w *signInWorker) NextRetry(job *river.Job[SignInArgs]) time.Time {
	d := time.Duration(w.q.retryBase.Load())
	for i := 1; i < job.Attempt && d < time.Minute; i++ {
		d *= 2
	}
	if d > time.Minute {
		d = time.Minute
	}
	return time.Now().Add(d)
}

func (w *signInWorker) Timeout(*river.Job[SignInArgs]) time.Duration { return 30 * time.Second }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	pool *pgxpool.Pool
	log  *slog.Logger
}

// Work deletes expired codes, sessions, sign-in requests, browser sessions,
// passkey challenges and stale rate-limit counters (strictly expires_at <
// now(), G22), and sign-in events older than 90 days (issue 18).
// Correctness never depends on it: every read filters expiry.
func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	n, err := Cleanup(ctx, w.pool)
	if err != nil {
		return err
	}
	if n > 0 {
		w.log.Info("cleanup", "deleted", n)
	}
	return nil
}

// Cleanup runs the cleanup once and returns how many rows went.
func Cleanup(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	q := dbgen.New(pool)
	var total int64
	for _, f := range []func(context.Context) (int64, error){
		q.DeleteExpiredSignInCodes, q.DeleteExpiredCustomerSessions, q.DeleteExpiredMemberSessions,
		q.DeleteExpiredSignInRequests, q.DeleteExpiredBrowserSessions, q.DeleteStaleRateLimits,
		q.DeleteExpiredOAuthStates, q.DeleteExpiredPasskeyChallenges, q.DeleteOldSignInEvents,
	} {
		n, err := f(ctx)
		if err != nil {
			return total, fmt.Errorf("mail: cleanup: %w", err)
		}
		total += n
	}
	return total, nil
}

// levelFilter drops records below min.
type levelFilter struct {
	h   slog.Handler
	min slog.Level
}

func (l levelFilter) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= l.min && l.h.Enabled(ctx, lv)
}
func (l levelFilter) Handle(ctx context.Context, r slog.Record) error { return l.h.Handle(ctx, r) }
func (l levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{h: l.h.WithAttrs(a), min: l.min}
}
func (l levelFilter) WithGroup(n string) slog.Handler {
	return levelFilter{h: l.h.WithGroup(n), min: l.min}
}
