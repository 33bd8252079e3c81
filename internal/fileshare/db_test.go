package fileshare_test

import (
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

func testDB(t testing.TB) *pgxpool.Pool { return testkit.DB(t) }
