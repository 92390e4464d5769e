use sqlx::PgPool;

pub async fn revenue_for(pool: &PgPool, region: &str) -> Result<i64, sqlx::Error> {
    let (total,): (i64,) = sqlx::query_as("SELECT SUM(total) FROM orders WHERE region = $1")
        .bind(region)
        .fetch_one(pool)
        .await?;
    Ok(total)
}

fn main() {}
