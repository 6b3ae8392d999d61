/* The root parent's back-off before starting a worker again. */
#include "parent.h"
#include "tap.h"

static void test_restart_delay(void)
{
	is_int(parent_restart_delay_ms(0, 0), RESTART_MIN_MS,
	       "the first restart waits the least");
	is_int(parent_restart_delay_ms(RESTART_MIN_MS, 10), 2 * RESTART_MIN_MS,
	       "dying again soon doubles the wait");
	is_int(parent_restart_delay_ms(RESTART_MAX_MS, 10), RESTART_MAX_MS,
	       "up to the most");
	is_int(parent_restart_delay_ms(RESTART_MAX_MS / 2 + 1, 10),
	       RESTART_MAX_MS, "never past it");
	is_int(parent_restart_delay_ms(RESTART_MAX_MS, RESTART_STABLE_MS - 1),
	       RESTART_MAX_MS, "a worker that ran a little less is not stable");
	is_int(parent_restart_delay_ms(RESTART_MAX_MS, RESTART_STABLE_MS),
	       RESTART_MIN_MS, "one that ran RESTART_STABLE_MS starts anew");
}

int main(void)
{
	test_restart_delay();
	return done();
}
