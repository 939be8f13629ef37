// Package store persists entities for traditional and control-plane nodes.
// Two implementations live below it: sqlite (embedded, the default) and
// postgres. Both pass the same conformance suite (storetest).
//
// A store enforces what a database can enforce across concurrent writers:
// unique fields, foreign keys, cascades and "still referenced" refusals.
// Schema-level validation (field types, ranges) happens before, in entity.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gantryhq/gantry/internal/entity"
)

// ListOptions selects a page of a collection.
type ListOptions struct {
	// Size is the page size; 0 means 100. Callers cap it at 1000.
	Size int
	// Offset is the opaque token from a previous Page.Next; "" starts at the beginning.
	Offset string
	// Tags filters by tags; TagsOr selects "any of" (a/b) instead of "all of" (a,b).
	Tags   []string
	TagsOr bool
	// ForeignKey restricts the list to entities whose reference Field
	// ("service", "route", "consumer", "upstream", "certificate") is ID.
	ForeignKey *ForeignKey
}

// ForeignKey names a reference field and the id it must hold.
type ForeignKey struct {
	Field string
	ID    string
}

// Page is one page of a list. Next is "" on the last page.
type Page struct {
	Items []entity.Entity
	Next  string
}

// Store is the persistence interface. Every method is one transaction:
// it fully happens or not at all.
type Store interface {
	// Get returns the entity of kind with that id, or with that endpoint key
	// (name, username, ...) when idOrKey is not a UUID.
	Get(ctx context.Context, kind entity.Kind, idOrKey string) (entity.Entity, error)
	List(ctx context.Context, kind entity.Kind, opts ListOptions) (Page, error)
	// Insert stores a new entity. It assigns an id (UUID v4) when empty and
	// sets created_at/updated_at.
	Insert(ctx context.Context, e entity.Entity) error
	// Upsert creates e, or replaces the entity with e's id (PUT semantics).
	Upsert(ctx context.Context, e entity.Entity) (created bool, err error)
	// Update replaces an existing entity (matched by id); ErrNotFound if absent.
	Update(ctx context.Context, e entity.Entity) error
	// Delete removes an entity by id or endpoint key, cascading to entities
	// that must go with it (an upstream's targets, a consumer's credentials
	// and plugins, a certificate's snis, plugins scoped to a deleted
	// route/service). ErrNotFound if absent; *ReferencedError when something
	// that does not cascade still points at it (routes of a service).
	Delete(ctx context.Context, kind entity.Kind, idOrKey string) error
	// Export returns the whole configuration, each kind sorted by id.
	Export(ctx context.Context) (*entity.Config, error)
	// Import inserts a whole configuration in one transaction.
	Import(ctx context.Context, cfg *entity.Config) error
	// Revision is a counter that grows with every committed write, across
	// every node sharing the database.
	Revision(ctx context.Context) (int64, error)
	// Changes delivers the new revision after writes (by this node or, for
	// a shared database, another). Sends are coalesced: a slow reader sees
	// the latest revision, not every one. Closed when ctx ends.
	Changes(ctx context.Context) <-chan int64
	Close() error
}

// RevisionExporter is implemented by stores that can export the
// configuration together with the revision it reflects, read from one
// snapshot (both the sqlite and postgres stores do). A separate Export and
// Revision may straddle a write.
type RevisionExporter interface {
	ExportRevision(ctx context.Context) (*entity.Config, int64, error)
}

// ChangeFeed is implemented by stores that record which entities each
// committed write touched (both the sqlite and postgres stores do), so a
// reader that holds the configuration of one revision reads only what
// changed since.
type ChangeFeed interface {
	// ChangesSince returns the entities written since revision rev and
	// the revision they bring the configuration to, read from one
	// snapshot. When the store cannot tell (rev is older than what it
	// keeps, an import or a migration came between) or more than limit
	// entities changed, Complete is false and the caller exports
	// everything.
	ChangesSince(ctx context.Context, rev int64, limit int) (Changes, error)
}

// Changes is what changed between two revisions.
type Changes struct {
	// Revision is the revision the changes bring the configuration to.
	Revision int64
	// Complete is false when the store cannot list the changes.
	Complete bool
	// Entities holds, by kind and id, each entity written since the
	// revision asked for as it is now; nil when it was deleted. A
	// certificate is listed when one of its snis changed, since the snis
	// shorthand is part of it.
	Entities map[entity.Kind]map[string]entity.Entity
}

// Len is the number of entities in c.
func (c Changes) Len() int {
	n := 0
	for _, m := range c.Entities {
		n += len(m)
	}
	return n
}

// ProgressImporter is implemented by stores whose Import can report how
// far it got (both the sqlite and postgres stores do), for the progress a
// terminal shows during `gantry config db_import`. progress receives the
// rows written so far and the total, after each batch, on the calling
// goroutine; nil reports nothing. It is Import otherwise.
type ProgressImporter interface {
	ImportProgress(ctx context.Context, cfg *entity.Config, progress func(done, total int)) error
}

// Modifier is implemented by stores that can read, change and write one
// entity inside a single write transaction (both the sqlite and postgres
// stores do). Writers are serialized, so fn sees the latest committed
// version: two concurrent PATCHes of different fields both land, where a
// Get followed by an Update would let the second revert the first.
type Modifier interface {
	// Modify loads the entity of kind with id, calls fn with it and stores
	// what fn returns (same id), all in one transaction, and returns the
	// stored entity. ErrNotFound if absent; an error from fn is returned
	// (wrapped) and nothing is written. Other writers wait while fn runs:
	// keep it short.
	// fn reads other entities (to resolve references) through tx, inside
	// the same transaction: no second connection is needed while writers
	// wait, and what it reads cannot change before the write.
	Modify(ctx context.Context, kind entity.Kind, id string, fn func(current entity.Entity, tx Getter) (entity.Entity, error)) (entity.Entity, error)
}

// Getter reads one entity by id or endpoint key, like Store.Get.
type Getter interface {
	Get(ctx context.Context, kind entity.Kind, idOrKey string) (entity.Entity, error)
}

// ErrNotFound means no entity matched.
var ErrNotFound = errors.New("not found")

// ErrInvalidOffset means ListOptions.Offset is not a token a previous Page
// returned; the Admin API maps it to 400.
var ErrInvalidOffset = errors.New("invalid offset")

// ErrUnavailable wraps failures to reach the database; the Admin API maps it to 503.
var ErrUnavailable = errors.New("database unavailable")

// UniqueError is a unique-constraint violation.
type UniqueError struct {
	Kind  entity.Kind
	Field string
	Value string
}

func (e *UniqueError) Error() string {
	return fmt.Sprintf("UNIQUE violation detected on '{%s=%q}'", e.Field, e.Value)
}

// ForeignKeyError is a reference to an entity that does not exist.
type ForeignKeyError struct {
	Field string // "service", "route", ...
	ID    string
}

func (e *ForeignKeyError) Error() string {
	return fmt.Sprintf("the foreign key '{id=%q}' does not reference an existing '%s' entity.", e.ID, e.Field)
}

// ReferencedError refuses to delete an entity others still depend on.
type ReferencedError struct {
	Kind  entity.Kind // kind being deleted
	By    entity.Kind // kind that still refers to it
	Count int
}

func (e *ReferencedError) Error() string {
	return fmt.Sprintf("an existing '%s' entity references this '%s' entity", singular(e.By), singular(e.Kind))
}

func singular(k entity.Kind) string {
	s := string(k)
	if len(s) > 1 && s[len(s)-1] == 's' {
		return s[:len(s)-1]
	}
	return s
}

// DataPlaneStore is implemented by stores that keep the rows of GET
// /clustering/data-planes (both the sqlite and postgres stores do), so that
// control planes sharing a database each list the whole fleet and a
// restarted one remembers it. These rows are not configuration: writing
// them never changes Revision nor sends Changes, so nothing is pushed.
type DataPlaneStore interface {
	// UpsertDataPlane creates the row with row.ID or replaces it whole.
	UpsertDataPlane(ctx context.Context, row DataPlaneRow) error
	// UpsertDataPlanes writes rows as UpsertDataPlane does, all in one
	// transaction: all are written or none.
	UpsertDataPlanes(ctx context.Context, rows []DataPlaneRow) error
	// ListDataPlanes returns every row, sorted by id.
	ListDataPlanes(ctx context.Context) ([]DataPlaneRow, error)
	// PurgeDataPlanes deletes the rows last seen before olderThan and
	// returns how many went.
	PurgeDataPlanes(ctx context.Context, olderThan time.Time) (int, error)
}

// DataPlaneRow is what a control plane records about one data plane. Times
// are Unix seconds.
type DataPlaneRow struct {
	ID            string // the DP's node id
	Hostname      string
	IP            string
	Version       string
	SyncStatus    string
	SyncDetail    string
	ConfigHash    string
	ConfigVersion int64
	Labels        map[string]string
	CertExpiry    int64
	// Connected is true while a stream from the DP is open to some control
	// plane; readers also check LastSeen, as a control plane that died
	// could not clear it.
	Connected bool
	// LastRejection is the JSON of the last configuration the DP refused,
	// nil when none; the store does not look inside.
	LastRejection []byte
	LastSeen      int64
	CreatedAt     int64
	UpdatedAt     int64
}
